"""NHS England's quarterly and end-of-year BCF returns: their definitions, layout, builder, reader and validator."""
