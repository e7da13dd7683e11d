"""Produce (surplus) matching: stock lots of graded produce sold to buyer coops' orders."""
