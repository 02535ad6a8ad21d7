"""One spider per portal, named by the portal's slug (see govcrawl/portals.toml).

A portal on a known platform needs only a registry entry and a two-line module here;
the behaviour lives in govcrawl.platforms.
"""
