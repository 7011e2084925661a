"""A load generator for a running instance of the service (`scripts/loadtest`); independent of `app`."""
