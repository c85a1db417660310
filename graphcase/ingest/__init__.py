"""Ingest: read a bundle (bundle), check it row by row against the schemas (validate), and load it all or
nothing (load)."""

from .bundle import BundleError, read_bundle, write_bundle
from .limits import InputLimits
from .load import LoadReport, load_bundle, write_reject_report
from .validate import Reject, validate_bundle

__all__ = ["BundleError", "InputLimits", "LoadReport", "Reject", "load_bundle", "read_bundle", "validate_bundle", "write_bundle",
           "write_reject_report"]
