"""Builders the tests share (PTB's layout): imported from here, never from another test module."""
