"""The platform spiders, one module per platform, named as the registry names the platform.

A module here defines one ``govcrawl.crawl.spider.PortalSpider`` subclass whose ``name`` is the module's
name (``spiders/jcms.py`` -> ``name = "jcms"``). The spider loader (``govcrawl.crawl.spiderloader``) binds it to
every registry portal whose ``platform`` says so, as a spider named by the portal's slug: adding a platform
is a module here, its replica site and its fixtures; nothing else registers it.
"""
