"""coopmatch's pure matching core.

Only the standard library, numpy and OR-Tools are imported here. Inputs are frozen
dataclasses, results are typed; clocks, ids and randomness come from the caller.
"""
