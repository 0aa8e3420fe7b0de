"""Workbooks a bank fills in and sends back: task plans and figures, violations, inspection
findings.

``server.uploads.layouts`` declares each sheet once, column by column (header, rule,
accepted values); the download (``server.exports.templates``) lays the template out from
it, with Excel's own data validation, and the upload reads the filled-in sheet back
against the same declaration (``server.uploads.cells``), then writes it through the
services a single record goes through (``server.uploads.writes``).
``server.uploads.multipart`` reads a GraphQL multipart request (the file as a variable).
"""
