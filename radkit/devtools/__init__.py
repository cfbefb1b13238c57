"""Tooling for the kit's maintainers, not techniques: notebook lint, the claims runner, exercise builds."""
