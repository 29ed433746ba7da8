"""STS (Version 2015-04-01): temporary credentials."""
