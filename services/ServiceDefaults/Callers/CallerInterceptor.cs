using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authentication;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults.Callers;

/// <summary>
/// Decides who a call is from and whether its RPC's rule (<see cref="CallerRules"/>) lets them call it, before the RPC runs:
/// <list type="bullet">
/// <item><description>a call with <c>authorization: Bearer …</c> is a user's: the token is validated by the JwtBearer scheme
/// <see cref="UserTokens.Scheme"/> (the hub's issuer and audience); an invalid token, or one without a role, a subject or a
/// station, is <c>Unauthenticated</c>; a role the rule does not name is <c>PermissionDenied</c>;</description></item>
/// <item><description>a call without one is a service's, named by the sidecar in <c>dapr-caller-app-id</c>: refused
/// (<c>Unauthenticated</c>) when no app is named or any named app is user-facing (the dashboard speaks for its users and must
/// forward their token), and <c>PermissionDenied</c> when the rule does not name the service.</description></item>
/// </list>
/// Every value of <c>dapr-caller-app-id</c> is judged, so a caller that adds one of its own beside the sidecar's gains nothing
/// (ADR 0009). The refusals go out through the <see cref="ErrorInterceptor"/>, which runs around this one. The caller is
/// kept for the RPC (<see cref="CallerContext.Caller"/>).
/// </summary>
/// <param name="rules">The rules.</param>
/// <param name="settings">Whether users' tokens can be validated here.</param>
public sealed class CallerInterceptor(CallerRules rules, UserTokenSettings settings) : Interceptor
{
    /// <summary>The Dapr metadata header naming the calling app.</summary>
    public const string CallerAppHeader = "dapr-caller-app-id";

    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        await JudgeIfCoveredAsync(context);
        return await continuation(request, context);
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        await JudgeIfCoveredAsync(context);
        await continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        await JudgeIfCoveredAsync(context);
        return await continuation(requestStream, context);
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        await JudgeIfCoveredAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task JudgeIfCoveredAsync(ServerCallContext context)
    {
        if (rules.Covers(context.Method, out var rule)) context.UserState[CallerContext.Key] = await JudgeAsync(context, rule);
    }

    private async Task<Caller> JudgeAsync(ServerCallContext context, CallerRule? rule)
    {
        var apps = context.RequestHeaders.Where(h => string.Equals(h.Key, CallerAppHeader, StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => h.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var authorization = context.RequestHeaders.GetValue("authorization");
        if (!string.IsNullOrWhiteSpace(authorization))
        {
            if (!settings.Enabled) throw Errors.Unauthenticated("this service validates no user tokens (Hub:Authority is not configured)");
            var result = await context.GetHttpContext().AuthenticateAsync(UserTokens.Scheme);
            if (!result.Succeeded) throw Errors.Unauthenticated($"the bearer token is not valid{(result.Failure is { } failure ? ": " + failure.Message : "")}");
            var user = CallingUser.From(result.Principal) ?? throw Errors.Unauthenticated("the bearer token names no subject, role or station");
            if (rule is null || !rule.Roles.Contains(user.Role)) throw Errors.PermissionDenied($"a {user.Role.ToString().ToLowerInvariant()} may not call {Name(context.Method)}");
            return new Caller(user, apps);
        }

        if (apps.Count == 0) throw Errors.Unauthenticated("the call carries neither a user's bearer token nor a calling app");
        if (apps.FirstOrDefault(rules.UserFacingApps.Contains) is { } facing)
            throw Errors.Unauthenticated($"a call from {facing} carries its user's bearer token");
        var refused = rule is null ? apps[0] : rule.Services is { } services ? apps.FirstOrDefault(a => !services.Contains(a)) : null;
        if (refused is not null) throw Errors.PermissionDenied($"app {refused} may not call {Name(context.Method)} without a user");
        return new Caller(null, apps);
    }

    private static string Name(string method) => method.TrimStart('/');
}

/// <summary>Whether users' bearer tokens can be validated (an issuer is configured).</summary>
/// <param name="Enabled">True when <c>Hub:Authority</c> is set.</param>
public sealed record UserTokenSettings(bool Enabled);

/// <summary>The caller of the current RPC.</summary>
public static class CallerContext
{
    internal const string Key = "mtaeda.caller";

    /// <summary>The caller <see cref="CallerInterceptor"/> established for this call.</summary>
    /// <param name="context">The call's context.</param>
    /// <returns>The caller.</returns>
    /// <exception cref="InvalidOperationException">The service's rules do not cover the RPC.</exception>
    public static Caller Caller(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.UserState.TryGetValue(Key, out var caller) && caller is Caller known
            ? known
            : throw new InvalidOperationException($"{context.Method} is not under caller rules (AddCallerRules)");
    }
}
