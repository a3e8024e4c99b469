"""Adapters for data-processing frameworks; each module needs its framework installed and is
imported only by name (`from repair.integrations.ray import repair_batch`)."""
