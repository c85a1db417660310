"""Record linkage of Person records across agencies with Splink (DuckDB backend).

``settings`` (the model), ``records`` (records out of the store), ``train`` (EM without labels),
``link`` (score, decide, cluster, write SAME_AS), ``review`` (the human review queue).
"""

from .link import LinkReport, link_records, resolved_ids
from .review import ReviewQueue, decide, review_path_for
from .train import LinkageError, model_path_for, train_model

__all__ = ["LinkReport", "link_records", "resolved_ids", "ReviewQueue", "decide", "review_path_for", "LinkageError", "model_path_for", "train_model"]
