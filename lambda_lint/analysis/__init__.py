"""The shared analysis of a project and its modules, and the questions rules ask of it."""
