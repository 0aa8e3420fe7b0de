// Starts GraphiQL on the page GET /graphql serves (server/graphiql/page.py): queries go to
// the page's own address, subscriptions to the same address over a WebSocket. The Headers
// tab starts with a template for the bearer token; headers are kept in memory only, never
// in the browser's storage, so a token does not outlive the tab.
"use strict";
(function () {
  var endpoint = window.location.href.split(/[?#]/)[0];
  var socket = new URL(endpoint);
  socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";
  var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: socket.toString() });
  var headersTemplate = JSON.stringify({ Authorization: "Bearer <token>" }, null, 2);
  var defaultQuery = "{\n  viewer {\n    userId\n    roles\n  }\n}\n";
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: headersTemplate,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    })
  );
})();
