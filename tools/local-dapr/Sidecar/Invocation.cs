using System.Net;
using LocalDapr.PubSub;
using LocalDapr.Resiliency;
using Yarp.ReverseProxy.Forwarder;

namespace LocalDapr.Sidecar;

/// <summary>
/// Service invocation: HTTP (<c>/v1.0/invoke/{app}/method/...</c> or the <c>dapr-app-id</c> header) and raw gRPC proxying
/// by <c>dapr-app-id</c>. Verb, path, query, headers, body and trailers pass through; the callee's status comes back as is.
/// </summary>
public sealed class Invocation(IHttpForwarder forwarder)
{
    private static readonly string[] StrippedHeaders = ["dapr-app-id", "dapr-api-token", "dapr-caller-app-id", "dapr-callee-app-id", "dapr-stream"];

    public async Task ForwardAsync(HttpContext context, SidecarRuntime caller, string appId, string path, bool grpc)
    {
        var target = caller.Environment.Apps.Resolve(appId);
        if (target?.Channel is null)
        {
            var error = target is null
                ? DaprErrors.DirectInvoke(appId, $"couldn't find service: {appId}")
                : DaprErrors.DirectInvoke(appId, $"app {appId} has no app port");
            if (grpc) GrpcWire.WriteStatus(context, Grpc.Core.StatusCode.Unavailable, error.Message);
            else await HttpApi.WriteErrorAsync(context, error);
            return;
        }

        // The callee's sidecar normalises the method and applies its app's access control before anything reaches the app.
        var operation = grpc ? path : path.TrimStart('/');
        if (Authorize(caller, target, operation, grpc ? null : context.Request.Method, proxiedGrpc: grpc) is { } refusal)
        {
            if (grpc) GrpcWire.WriteStatus(context, refusal.Code, refusal.Message);
            else await HttpApi.WriteErrorAsync(context, DaprErrors.DirectInvokeRefused(appId, refusal.Code, refusal.Message));
            return;
        }

        using var invoker = new HttpMessageInvoker(target.Channel.Handler, disposeHandler: false);
        var config = new ForwarderRequestConfig
        {
            ActivityTimeout = TimeSpan.FromMinutes(10),
            Version = grpc ? HttpVersion.Version20 : target.Channel.HttpVersionToUse,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var policy = caller.AppPolicy(target.AppId);
        // As daprd: a request that cannot be replayed (a chunked HTTP body; a gRPC call marked dapr-stream) is tried once,
        // and a gRPC stream is under the policy only until it is established; any other request is kept for retries,
        // and a failed answer is held back (not sent) until the policy has decided whether to try again.
        var replayable = grpc ? !IsTruthy(context.Request.Headers["dapr-stream"]) : !context.Request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase);
        var canRetry = policy.HasRetries && replayable;
        // Kept in memory (the sidecar's body limit bounds it), not spilled to a temporary file past 30 KB as by default.
        if (canRetry) context.Request.EnableBuffering(bufferThreshold: 16 * 1024 * 1024);
        var transformer = new Transformer(path, context.Request.QueryString, caller.AppId, target.AppId, target.Options.AppApiToken, grpc, holdFailures: canRetry);
        string? failure = null;
        try
        {
            var outcome = await policy.ExecuteAsync(async token =>
            {
                if (context.Request.Body.CanSeek) context.Request.Body.Position = 0;
                // A failed attempt can leave its status behind (the forwarder answers a transport failure with 502), and
                // the forwarder refuses to forward over a response whose status is set; a retry starts from a clean one.
                if (!context.Response.HasStarted) context.Response.Clear();
                transformer.Held = null;
                var error = await forwarder.SendAsync(context, target.Channel.BaseAddress.ToString().TrimEnd('/'), invoker, config, transformer, token);
                return Classify(context, error, transformer.Held, grpc);
            }, o => o.Failed, _ => false, context.RequestAborted, o => canRetry && !context.Response.HasStarted && (o.Code is not { } code || policy.Retry!.Matching.Retries(code)));
            if (outcome.Held is { } held)
            {
                await held.WriteAsync(context);
                return;
            }
            if (!outcome.Failed || outcome.Code is not null || context.Response.HasStarted) return;
            failure = outcome.Transport;
        }
        catch (Exception e) when (e is CircuitOpenException or PolicyTimeoutException)
        {
            failure = e.Message;
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Anything else that breaks the forwarding is answered as daprd answers a failed proxy call (a gRPC status, or
            // ERR_DIRECT_INVOKE), never left to the server, which would answer a bare HTTP 500 and log nothing.
            caller.Environment.Loggers.CreateLogger($"daprd.{caller.AppId}").LogError(e, "Invocation of {AppId} {Path} failed", appId, path);
            failure = e.Message;
        }
        if (context.Response.HasStarted) return;
        context.Response.Clear();
        if (grpc) GrpcWire.WriteStatus(context, Grpc.Core.StatusCode.Unavailable, $"failed to proxy request: {failure}");
        else await HttpApi.WriteErrorAsync(context, DaprErrors.DirectInvoke(appId, failure ?? "unknown error"));
    }

    /// <summary>
    /// A buffered call of <paramref name="method"/> on app <paramref name="appId"/> (gRPC <c>InvokeService</c>), under the
    /// caller's policy for the app as the proxied calls are: an answer outside 200–399 or a transport failure counts and
    /// is retried unless the retry policy's <c>matching</c> leaves its status out. Without a <paramref name="verb"/> (no HTTP
    /// extension) the app is called with POST, and access control sees no verb, as daprd's does.
    /// </summary>
    public static async Task<InvokeAnswer> InvokeAsync(SidecarRuntime caller, string appId, HttpMethod? verb, string method, string query, string? contentType,
        byte[] body, IEnumerable<KeyValuePair<string, string>> headers, string? traceparent, CancellationToken cancellationToken)
    {
        var target = caller.Environment.Apps.Resolve(appId);
        if (target?.Channel is null)
            throw DaprErrors.DirectInvoke(appId, target is null ? $"couldn't find service: {appId}" : $"app {appId} has no app port");
        if (Authorize(caller, target, method, verb?.Method, proxiedGrpc: false) is { } refusal)
            throw DaprErrors.DirectInvokeRefused(appId, refusal.Code, refusal.Message);
        verb ??= HttpMethod.Post;
        var policy = caller.AppPolicy(target.AppId);
        try
        {
            var answer = await policy.ExecuteAsync(async token =>
            {
                using var request = target.Channel.Request(verb, "/" + method.TrimStart('/') + (query.Length > 0 ? "?" + query.TrimStart('?') : ""));
                foreach (var (name, value) in headers)
                {
                    if (!StrippedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase)) request.Headers.TryAddWithoutValidation(name, value);
                }
                request.Headers.TryAddWithoutValidation("dapr-caller-app-id", caller.AppId);
                request.Headers.TryAddWithoutValidation("dapr-callee-app-id", target.AppId);
                request.Headers.Remove("traceparent");
                request.Headers.TryAddWithoutValidation("traceparent", TraceContext.ChildOf(traceparent).ToString());
                if (body.Length > 0 || verb != HttpMethod.Get)
                {
                    request.Content = new ByteArrayContent(body);
                    if (!string.IsNullOrEmpty(contentType)) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }
                try
                {
                    using var response = await target.Channel.SendAsync(request, token);
                    return new InvokeAnswer((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsByteArrayAsync(token), null);
                }
                catch (HttpRequestException e)
                {
                    return new InvokeAnswer(0, null, [], e.Message);
                }
            }, a => a.Transport is not null || a.Status is < 200 or > 399, _ => false, cancellationToken,
                a => a.Transport is not null || policy.Retry!.Matching.Retries(a.Status));
            return answer.Transport is { } failure ? throw DaprErrors.DirectInvoke(appId, failure) : answer;
        }
        catch (Exception e) when (e is CircuitOpenException or PolicyTimeoutException)
        {
            throw DaprErrors.DirectInvoke(appId, e.Message);
        }
    }

    /// <summary>
    /// What the callee's daprd answers before calling its app (dapr/dapr <c>callLocalValidateACL</c> and the gRPC proxy's
    /// <c>intercept</c>): a method it refuses to normalise is <c>InvalidArgument</c>, a call its access control denies is
    /// <c>PermissionDenied</c> with the policy's message; null lets the call through. The caller is known by its app id,
    /// namespace and trust domain, as daprd knows it from the caller's mTLS certificate.
    /// </summary>
    /// <param name="operation">The method as daprd carries it: an HTTP method without its leading slash, a gRPC method's full name.</param>
    /// <param name="httpMethod">The HTTP verb of the call; null for a proxied gRPC call.</param>
    /// <param name="proxiedGrpc">A gRPC call through the proxy: matched as written and without verb, whatever the app's protocol.</param>
    private static Refusal? Authorize(SidecarRuntime caller, SidecarRuntime target, string operation, string? httpMethod, bool proxiedGrpc)
    {
        if (MethodName.Normalize(operation, out var invalid) is not { } normalized)
            return new Refusal(Grpc.Core.StatusCode.InvalidArgument, $"invalid method: {invalid}");
        if (target.AccessControl is not { } acl) return null;
        // daprd calls its own app directly (no access control) for an HTTP or InvokeService call to itself; its gRPC proxy
        // applies the policy to the app's own call with no identity (no mTLS between an app and its sidecar).
        var self = string.Equals(target.AppId, caller.AppId, StringComparison.Ordinal);
        if (self && !proxiedGrpc) return null;
        var appIsHttp = target.Options.AppProtocol is "http" or "h2c";
        var isHttp = !proxiedGrpc && appIsHttp;
        var verb = isHttp ? AccessControlList.Verbs.Of(httpMethod) : AccessControlList.Verbs.None;
        var (allowed, message) = acl.Check(self ? null : caller.Identity, normalized, verb, isHttp);
        if (allowed) return null;
        target.Environment.Loggers.CreateLogger($"daprd.{target.AppId}").LogDebug("{Message}", message);
        return new Refusal(Grpc.Core.StatusCode.PermissionDenied, message!);
    }

    private sealed record Refusal(Grpc.Core.StatusCode Code, string Message);

    /// <summary>
    /// One attempt's result as daprd's resiliency sees it: a transport failure (no answer), an answer with a failing code
    /// (HTTP status outside 200–399, or a gRPC status other than OK), or a success.
    /// </summary>
    private static Attempt Classify(HttpContext context, ForwarderError error, HeldResponse? held, bool grpc)
    {
        if (held is not null) return new Attempt(true, held.Code, null, held);
        if (error != ForwarderError.None)
        {
            var message = context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message ?? error.ToString();
            return new Attempt(true, null, message, null);
        }
        if (!grpc)
        {
            var status = context.Response.StatusCode;
            return status is < 200 or > 399 ? new Attempt(true, status, null, null) : Attempt.Success;
        }
        var grpcStatus = context.Response.Headers["grpc-status"].ToString();
        if (grpcStatus.Length == 0) grpcStatus = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()?.Trailers["grpc-status"].ToString() ?? "";
        return int.TryParse(grpcStatus, System.Globalization.CultureInfo.InvariantCulture, out var code) && code != 0 ? new Attempt(true, code, null, null) : Attempt.Success;
    }

    private static bool IsTruthy(string? value) => value?.Trim().ToLowerInvariant() is "1" or "t" or "true" or "y" or "yes" or "on";

    /// <summary>The app's answer to a buffered call, or the transport failure that kept it from answering.</summary>
    public sealed record InvokeAnswer(int Status, string? ContentType, byte[] Body, string? Transport);

    private sealed record Attempt(bool Failed, int? Code, string? Transport, HeldResponse? Held)
    {
        public static Attempt Success { get; } = new(false, null, null, null);
    }

    /// <summary>A failed answer kept back while the policy decides on a retry; sent as it came when it is the last.</summary>
    private sealed record HeldResponse(int Code, int HttpStatus, IReadOnlyList<KeyValuePair<string, string[]>> Headers, byte[] Body)
    {
        private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase) { "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Upgrade", "Proxy-Connection" };

        public static async Task<HeldResponse> ReadAsync(HttpResponseMessage response, int code, CancellationToken cancellationToken) =>
            new(code, (int)response.StatusCode,
                [.. response.Headers.Concat(response.Content.Headers).Where(h => !HopByHop.Contains(h.Key)).Select(h => KeyValuePair.Create(h.Key, h.Value.ToArray()))],
                await response.Content.ReadAsByteArrayAsync(cancellationToken));

        public async Task WriteAsync(HttpContext context)
        {
            context.Response.Clear();
            context.Response.StatusCode = HttpStatus;
            foreach (var (name, values) in Headers) context.Response.Headers[name] = values;
            if (Body.Length > 0) await context.Response.Body.WriteAsync(Body, context.RequestAborted);
        }
    }

    private sealed class Transformer(string path, QueryString query, string callerId, string calleeId, string? appToken, bool grpc, bool holdFailures) : HttpTransformer
    {
        /// <summary>The failed answer of the last attempt, when failures are held back for the policy.</summary>
        public HeldResponse? Held { get; set; }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            if (holdFailures && proxyResponse is not null && FailingCode(proxyResponse) is { } code)
            {
                Held = await HeldResponse.ReadAsync(proxyResponse, code, cancellationToken);
                // The forwarder copied the status line already; an untouched response lets the next attempt forward again.
                httpContext.Response.Clear();
                return false;
            }
            return await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        }

        /// <summary>An HTTP status outside 200–399, or the gRPC status of a trailers-only answer other than OK.</summary>
        private int? FailingCode(HttpResponseMessage response)
        {
            if (!grpc) return (int)response.StatusCode is var status && status is < 200 or > 399 ? status : null;
            return response.Headers.TryGetValues("grpc-status", out var values)
                && int.TryParse(values.FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var code) && code != 0 ? code : null;
        }

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.RequestUri = new Uri(destinationPrefix + (path.StartsWith('/') ? path : "/" + path) + query.Value);
            foreach (var header in StrippedHeaders) proxyRequest.Headers.Remove(header);
            proxyRequest.Headers.TryAddWithoutValidation("dapr-caller-app-id", callerId);
            proxyRequest.Headers.TryAddWithoutValidation("dapr-callee-app-id", calleeId);
            if (!string.IsNullOrEmpty(appToken)) proxyRequest.Headers.TryAddWithoutValidation("dapr-api-token", appToken);
            var incoming = httpContext.Request.Headers["traceparent"].ToString();
            proxyRequest.Headers.Remove("traceparent");
            proxyRequest.Headers.TryAddWithoutValidation("traceparent", TraceContext.ChildOf(incoming.Length > 0 ? incoming : null).ToString());
            proxyRequest.Headers.Host = null;
        }
    }
}

/// <summary>Writes a gRPC status as a trailers-only response.</summary>
public static class GrpcWire
{
    public static void WriteStatus(HttpContext context, Grpc.Core.StatusCode code, string message)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }
}
