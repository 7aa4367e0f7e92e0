"""Durable state of live documents: an append-only update log and snapshots.

An update is a Yjs v1 update as applied by the server. A document's state is
its snapshot (if any) plus every update still in the log; compaction folds
the rows it read into a new snapshot and deletes them in one transaction.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class DocUpdate(models.Model):
    plan = models.ForeignKey(
        "ideas.BusinessPlan", on_delete=models.CASCADE, related_name="doc_updates"
    )
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["plan", "id"])]

    def __str__(self) -> str:
        return f"update {self.pk} of plan {self.plan_id}"


class DocSnapshot(models.Model):
    plan = models.OneToOneField(
        "ideas.BusinessPlan", on_delete=models.CASCADE, related_name="doc_snapshot"
    )
    state = models.BinaryField()
    #: The largest update id folded in so far (informational: loads apply the
    #: snapshot and every row still in the log).
    upto_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"snapshot of plan {self.plan_id} up to {self.upto_id}"
