"""Item pipelines and the WARC capture extension: the steps a crawled page goes through."""
