"""Extract, normalize, validate and load rating files into the warehouse."""
