"""The NHS England BCF planning template: per-year definitions, the builder, the reader and the validator."""
