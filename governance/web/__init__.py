"""The web application: links from letters, sign-in by e-mail, and the pages of the chair, focal points and secretariat."""

from governance.web.app import create_app

__all__ = ["create_app"]
