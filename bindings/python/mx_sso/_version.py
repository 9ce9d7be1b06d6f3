"""Version of the mx_sso package: the version of the mx-sso C library it is written against."""

__version__ = "0.2.0"
