"""ruralcredit: a GraphQL API server for rural commercial banks and credit cooperatives."""

__version__ = "0.1.0"
