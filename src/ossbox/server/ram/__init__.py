"""RAM (Version 2015-05-01): users, AccessKeys, groups, roles, policies."""
