"""Use cases of the collection service; routes call these, and these call storage."""
