"""Downloads outside GraphQL: documents a bank prints and files.

``server.exports.routes`` answers the HTTP requests (the bearer token read as for GraphQL,
the roles from ``server.permissions.ENDPOINTS``, the reads scoped in SQL);
``server.exports.score_sheet`` reads and lays out an appraisal run's score sheet;
``server.exports.xlsx`` holds what any workbook of ours needs (sheet names Excel accepts,
decimals written exactly, the attachment's file name).
"""
