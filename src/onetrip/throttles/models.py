from django.db import models


class ThrottleHistory(models.Model):
    """The hits one abuse limit counted for one client (a scope and an address, an API-token
    user or a phone number) within its window: seconds since the epoch, newest first. A row
    whose ``expires`` has passed counts nothing any more and is swept now and then.

    On PostgreSQL the table is UNLOGGED (migration 0002): counts need no WAL write and no
    replica, and a crash of the database server only forgets the current windows."""

    key = models.CharField(max_length=200, primary_key=True)
    stamps = models.JSONField(default=list)
    expires = models.DateTimeField()

    class Meta:
        verbose_name = "访问计数"
        verbose_name_plural = "访问计数"

    def __str__(self) -> str:
        return self.key
