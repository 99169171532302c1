
namespace Mtaeda.Dashboard.Backend;

/// <summary>
/// The generated gRPC clients of the services the dashboard reads, each through the dashboard's own sidecar
/// (<see cref="SidecarInvokers"/>), on behalf of a circuit's user (<see cref="ForUser"/>).
/// </summary>
/// <param name="Stations">stations.</param>
/// <param name="Equipment">equipment.</param>
/// <param name="Ridership">ridership.</param>
/// <param name="Scheduling">scheduling (work orders, technicians).</param>
/// <param name="Maintenance">maintenance (requests of a device).</param>
/// <param name="Notifications">notifications (alerts, configurations, deliveries).</param>
/// <param name="Passengers">passengers (the supervisors' passenger look-up).</param>
/// <param name="Identification">identification (the image crop of a watch-list match, for supervisors).</param>
public sealed record Services(
    Contracts.Stations.V1.Stations.StationsClient Stations,
    Contracts.Equipment.V1.Equipment.EquipmentClient Equipment,
    Contracts.Ridership.V1.Ridership.RidershipClient Ridership,
    Contracts.Scheduling.V1.Scheduling.SchedulingClient Scheduling,
    Contracts.Maintenance.V1.Maintenance.MaintenanceClient Maintenance,
    Contracts.Notifications.V1.Notifications.NotificationsClient Notifications,
    Contracts.Passengers.V1.Passengers.PassengersClient Passengers,
    Contracts.Identification.V1.Identification.IdentificationClient Identification)
{
    /// <summary>
    /// The clients through the sidecar that <paramref name="invokers"/> reach, each call on behalf of the circuit's signed-in
    /// user: <c>authorization: Bearer</c> with the user's token (<see cref="Identity.IHubTokens"/>, the token the hub takes),
    /// which the services validate and judge by role themselves (ADR 0009); a circuit without a user sends none and is refused.
    /// </summary>
    /// <param name="invokers">The call paths through the sidecar, one per app.</param>
    /// <param name="tokens">The circuit's user's tokens.</param>
    /// <returns>The clients.</returns>
    public static Services ForUser(SidecarInvokers invokers, Identity.IHubTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(invokers);
        var bearer = new UserBearer(tokens);
        Grpc.Core.CallInvoker Invoker(string appId) => Grpc.Core.Interceptors.CallInvokerExtensions.Intercept(invokers.For(appId), bearer);
        return new(
            new(Invoker("stations")),
            new(Invoker("equipment")),
            new(Invoker("ridership")),
            new(Invoker("scheduling")),
            new(Invoker("maintenance")),
            new(Invoker("notifications")),
            new(Invoker("passengers")),
            new(Invoker("identification")));
    }
}

/// <summary>
/// The call paths through the dashboard's own sidecar (<c>DAPR_GRPC_PORT</c>), one per app (<c>dapr-app-id</c>, and
/// <c>dapr-api-token</c> from <c>DAPR_API_TOKEN</c>), each made on its first use and kept for the process. The apps are those
/// <see cref="Services.ForUser"/> names: there is no second list to keep in step with it. Every call without a deadline of its
/// own gets <c>Dashboard:CallTimeoutSeconds</c> (10 s): a service that hangs is reported unreachable, not waited for.
/// </summary>
public sealed class SidecarInvokers
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Grpc.Core.CallInvoker>> _invokers = new(StringComparer.Ordinal);
    private readonly IConfiguration _configuration;
    private readonly DefaultDeadline _deadline;

    /// <summary>Reads the sidecar's settings (the call paths are made when first asked for).</summary>
    /// <param name="configuration">The app's configuration (DAPR_GRPC_PORT, DAPR_API_TOKEN).</param>
    public SidecarInvokers(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _configuration = configuration;
        _deadline = new DefaultDeadline(TimeSpan.FromSeconds(configuration.GetValue("Dashboard:CallTimeoutSeconds", 10.0)));
    }

    /// <summary>The call path to <paramref name="appId"/>: the same one for every call of the process.</summary>
    /// <param name="appId">The app.</param>
    /// <returns>The invoker.</returns>
    public Grpc.Core.CallInvoker For(string appId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(appId);
        return _invokers.GetOrAdd(appId, app => new Lazy<Grpc.Core.CallInvoker>(() =>
            Grpc.Core.Interceptors.CallInvokerExtensions.Intercept(ServiceDefaults.DaprSidecar.InvokerFor(_configuration, app), _deadline))).Value;
    }
}

/// <summary>Adds the signed-in user's bearer token to every unary call (fetched for each call: a token is short-lived).</summary>
/// <param name="tokens">The circuit's user's tokens.</param>
internal sealed class UserBearer(Identity.IHubTokens tokens) : Grpc.Core.Interceptors.Interceptor
{
    /// <inheritdoc/>
    public override Grpc.Core.AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, Grpc.Core.Interceptors.ClientInterceptorContext<TRequest, TResponse> context, Grpc.Core.Interceptors.Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var started = StartAsync();
        return new Grpc.Core.AsyncUnaryCall<TResponse>(
            ResponseAsync(),
            HeadersAsync(),
            () => started.IsCompletedSuccessfully ? started.Result.GetStatus() : new Grpc.Core.Status(Grpc.Core.StatusCode.Unknown, "the call has not started"),
            () => started.IsCompletedSuccessfully ? started.Result.GetTrailers() : [],
            () => { if (started.IsCompletedSuccessfully) started.Result.Dispose(); });

        async Task<Grpc.Core.AsyncUnaryCall<TResponse>> StartAsync()
        {
            var headers = new Grpc.Core.Metadata();
            foreach (var entry in context.Options.Headers ?? []) headers.Add(entry);
            if (await tokens.GetAsync() is { Length: > 0 } token) headers.Add("authorization", "Bearer " + token);
            return continuation(request, new(context.Method, context.Host, context.Options.WithHeaders(headers)));
        }

        async Task<TResponse> ResponseAsync() => await (await started).ResponseAsync;

        async Task<Grpc.Core.Metadata> HeadersAsync() => await (await started).ResponseHeadersAsync;
    }
}

/// <summary>Gives a unary call without a deadline one <paramref name="timeout"/> from now.</summary>
/// <param name="timeout">How long a call may take.</param>
internal sealed class DefaultDeadline(TimeSpan timeout) : Grpc.Core.Interceptors.Interceptor
{
    /// <inheritdoc/>
    public override Grpc.Core.AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, Grpc.Core.Interceptors.ClientInterceptorContext<TRequest, TResponse> context, Grpc.Core.Interceptors.Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        if (context.Options.Deadline is null)
        {
            context = new(context.Method, context.Host, context.Options.WithDeadline(DateTime.UtcNow + timeout));
        }
        return continuation(request, context);
    }
}
