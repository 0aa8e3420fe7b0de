// Starts GraphiQL on the page GET /graphql serves (server/graphiql/page.py): queries and
// mutations are POSTed to the page's own address, subscriptions go to the same address over
// a WebSocket (graphql-transport-ws). The Headers tab starts with a template for the bearer
// token; headers are kept in memory only, never in the browser's storage, so a token does
// not outlive the tab.
//
// A subscription sends the Headers tab's Authorization header in its connection_init
// payload, as {"Authorization": "Bearer <token>"} (what the server reads there, see
// server/graphql/events/subscriptions.py), and nothing else of the headers. A refused
// connection (the server closes with 4403 for a missing, bad or expired token) is shown in
// the result pane at once: it is not retried, since the same token would be refused again.
"use strict";
(function () {
  var PROTOCOL = "graphql-transport-ws";
  var SUBSCRIPTION_ID = "1";
  var endpoint = window.location.href.split(/[?#]/)[0];
  var socketUrl = new URL(endpoint);
  socketUrl.protocol = socketUrl.protocol === "https:" ? "wss:" : "ws:";
  var overHttp = GraphiQL.createFetcher({ url: endpoint });

  // The type of the operation GraphiQL runs ("query", "mutation", "subscription"), or null.
  function operationType(documentAST, operationName) {
    var operations = ((documentAST && documentAST.definitions) || []).filter(function (d) {
      return d.kind === "OperationDefinition";
    });
    var chosen = operationName
      ? operations.filter(function (d) {
          return d.name && d.name.value === operationName;
        })
      : operations;
    return chosen.length === 1 ? chosen[0].operation : null;
  }

  // The connection_init payload: the Authorization header of the Headers tab, if any.
  function connectionPayload(headers) {
    var payload = {};
    Object.keys(headers || {}).forEach(function (name) {
      if (name.toLowerCase() === "authorization" && typeof headers[name] === "string") {
        payload.Authorization = headers[name];
      }
    });
    return payload;
  }

  // What the result pane shows when the socket closes before the subscription completed.
  function closedProblem(event, acknowledged) {
    var closed = { closeCode: event.code, closeReason: event.reason || "" };
    if (event.code === 4403) {
      return {
        message:
          "The server refused the subscription's connection (4403 Forbidden): the " +
          "Authorization header in the Headers tab is missing, not a valid bearer token, " +
          "expired, or of an unknown bank.",
        extensions: closed,
      };
    }
    return {
      message:
        (acknowledged ? "The connection closed" : "The server closed the connection") +
        " before the subscription completed (" +
        event.code +
        (event.reason ? " " + event.reason : "") +
        ").",
      extensions: closed,
    };
  }

  // One subscription over its own WebSocket, as an observable GraphiQL subscribes to: it
  // shows each `next` payload, an `error` message's errors, or why the socket closed.
  function overSocket(params, headers) {
    return {
      subscribe: function (observer) {
        var socket = new WebSocket(socketUrl.toString(), PROTOCOL);
        var acknowledged = false;
        var done = false;

        function send(message) {
          if (socket.readyState === WebSocket.OPEN) {
            socket.send(JSON.stringify(message));
          }
        }
        function finish(problem) {
          if (done) {
            return;
          }
          done = true;
          socket.close(1000, "Normal Closure");
          if (problem) {
            observer.error(problem);
          } else {
            observer.complete();
          }
        }

        socket.onopen = function () {
          send({ type: "connection_init", payload: connectionPayload(headers) });
        };
        socket.onmessage = function (event) {
          var message;
          try {
            message = JSON.parse(event.data);
          } catch (notJson) {
            finish({ message: "The server sent a message that is not JSON." });
            return;
          }
          if (message.type === "connection_ack") {
            acknowledged = true;
            send({
              id: SUBSCRIPTION_ID,
              type: "subscribe",
              payload: {
                query: params.query,
                variables: params.variables || null,
                operationName: params.operationName || null,
              },
            });
          } else if (message.type === "ping") {
            send({ type: "pong" });
          } else if (message.id === SUBSCRIPTION_ID && message.type === "next") {
            observer.next(message.payload);
          } else if (message.id === SUBSCRIPTION_ID && message.type === "error") {
            finish(message.payload);
          } else if (message.id === SUBSCRIPTION_ID && message.type === "complete") {
            finish(null);
          }
        };
        socket.onclose = function (event) {
          finish(closedProblem(event, acknowledged));
        };
        return {
          unsubscribe: function () {
            if (!done) {
              done = true;
              send({ id: SUBSCRIPTION_ID, type: "complete" });
              socket.close(1000, "Normal Closure");
            }
          },
        };
      },
    };
  }

  function fetcher(params, options) {
    var documentAST = options && options.documentAST;
    if (operationType(documentAST, params.operationName) === "subscription") {
      return overSocket(params, options.headers);
    }
    return overHttp(params, options);
  }

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
