"""SQL storage: the tables (``models``), the ``Store`` that reads and writes them, and the migrations."""
