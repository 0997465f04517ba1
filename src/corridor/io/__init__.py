"""Reading and writing network folders; the gazetteer."""
