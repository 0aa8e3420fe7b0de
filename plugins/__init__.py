"""The in-tree provincial policy plugins (registered through ``ruralcredit.policies``)."""
