"""The network fixture itself: a populated instance where the chair's term is active."""


def test_network_fixture_has_an_active_chair(network):
    terms = network.j("term", "list")["terms"]
    assert [(t["ref"], t["org"], t["state"]) for t in terms] == [("T-1", "ISKUR", "active")]
