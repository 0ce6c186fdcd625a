"""The demo's SQLite backend (``ENGINE = "onetrip.dbsqlite"``): Django's, with fair, retried
write transactions so a small hall (dozens of clients at once) never sees "database is locked".
"""
