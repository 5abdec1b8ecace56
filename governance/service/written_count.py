"""Counting a written vote: the majority and quorum the rules name, in whole numbers (pure: no database)."""

from __future__ import annotations

from dataclasses import dataclass

POSITIONS = ("for", "against", "abstain")
MAJORITIES = ("simple", "two_thirds")
BASES = ("voting", "members")


@dataclass(frozen=True)
class Tally:
    """The member organisations' current positions, and how many members there are in all."""

    in_favour: int
    against: int
    abstaining: int
    members: int

    @property
    def taking_part(self) -> int:
        return self.in_favour + self.against + self.abstaining

    @property
    def voting(self) -> int:
        """Members that voted for or against: abstentions take part but do not weigh."""
        return self.in_favour + self.against


@dataclass(frozen=True)
class Verdict:
    carried: bool
    quorum_met: bool
    quorum_needed: int
    needed: int  # votes for that carry it, given the votes against (or the members)
    why: str  # one clause saying how the count came out, for refusals, letters and the audit trail


def needed_share(fraction: float, members: int) -> int:
    """The smallest whole number of members that is at least `fraction` of `members` (0.5 of 7 is 4)."""
    exact = fraction * members
    whole = int(exact)
    return whole if whole == exact else whole + 1


def count(tally: Tally, majority: str, base: str, quorum_fraction: float) -> Verdict:
    """Whether the vote is carried: a quorum of members taking part, and the majority of the base the rules name.

    Of members voting: simple, more for than against; two-thirds, at least twice as many for as against (and one
    for at least). Of all members: more than half of them for; at least two-thirds of them for.
    """
    if majority not in MAJORITIES or base not in BASES:
        raise ValueError(f"majority {majority!r} of {base!r}")
    quorum = max(needed_share(quorum_fraction, tally.members), 1)
    quorum_met = tally.taking_part >= quorum
    if base == "voting":
        if majority == "simple":
            needed = tally.against + 1
        else:  # for / (for + against) >= 2/3, in whole numbers: for >= 2 * against
            needed = max(2 * tally.against, 1)
        of = f"{tally.in_favour} for, {tally.against} against, {tally.abstaining} abstaining"
    else:
        if majority == "simple":
            needed = tally.members // 2 + 1
        else:
            needed = max((2 * tally.members + 2) // 3, 1)  # two-thirds of the members, rounded up
        of = f"{tally.in_favour} of the {tally.members} members for ({tally.against} against, {tally.abstaining} abstaining)"
    majority_met = tally.in_favour >= needed
    carried = quorum_met and majority_met
    if not quorum_met:
        why = f"no quorum: {tally.taking_part} of {tally.members} members took part, {quorum} needed"
    elif not majority_met:
        word = "a two-thirds majority" if majority == "two_thirds" else "a majority"
        whose = "of the members voting" if base == "voting" else "of all members"
        why = f"{of}: {word} {whose} needs {needed} for"
    else:
        why = f"carried: {of}"
    return Verdict(carried, quorum_met, quorum, needed, why)
