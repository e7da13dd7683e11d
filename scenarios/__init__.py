"""Scenario files and the season simulator; imports matcher, never api."""
