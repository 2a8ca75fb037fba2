-- POST /echo with a small JSON body (the same bytes as ECHO_BODY in app.js).
wrk.method = "POST"
wrk.body = '{"name":"rawhttp","tags":["fast","strict"],"n":42}'
wrk.headers["Content-Type"] = "application/json"
