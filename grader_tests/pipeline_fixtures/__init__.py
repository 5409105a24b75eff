"""Helpers for the pipeline tests: a toy nbgrader course and student submissions."""
