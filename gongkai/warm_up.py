"""Preloaded by the forkserver that extraction workers are forked from (gongkai.workers).

Importing it loads the reference data once, in the forkserver, before any worker exists: every
worker then starts with the gazetteer, label maps and rules already in memory (shared copy-on-write),
instead of each loading them again.
"""
from gongkai.workers import _warm_up

_warm_up()
