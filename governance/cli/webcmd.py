"""`gov serve`: the web application on waitress, over the instance the global options name."""

from __future__ import annotations

from typing import Any

import click


def serve(c: Any, host: str, port: int, threads: int) -> None:
    instance = c.instance()
    from waitress import create_server

    from governance.web import create_app

    app = create_app(instance)
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="governance")
    except OSError as exc:
        from governance.errors import BadInput

        raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    clock = "the instance's declared moment (--now)" if instance.clock_given else "the real clock"
    click.echo(f"Serving {instance.rules.short_name} at http://{host}:{port} on {clock}; "
               f"links in letters point to {instance.settings.web.base_url}. Stop with Ctrl-C.", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
