using System.Security.Claims;
using Bunit;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Mtaeda.Dashboard.Alerts;
using Mtaeda.Dashboard.Backend;
using MudBlazor;
using MudBlazor.Services;

namespace Mtaeda.Dashboard.Tests;

/// <summary>The services' gRPC side for component tests: answers each method with a handler, records every call.</summary>
public sealed class FakeBackend : CallInvoker
{
    private readonly Dictionary<string, Func<IMessage, IMessage>> _handlers = [];

    /// <summary>Every call, in order: the method's name and its request.</summary>
    public List<(string Method, IMessage Request)> Calls { get; } = [];

    /// <summary>The clients, all on this backend.</summary>
    public Services Services => new(new(this), new(this), new(this), new(this), new(this), new(this), new(this), new(this));

    /// <summary>Answers <paramref name="method"/> (a method name such as ListWorkOrders).</summary>
    /// <typeparam name="TRequest">The request.</typeparam>
    /// <param name="method">The method's name.</param>
    /// <param name="handler">The answer (may throw an RpcException).</param>
    /// <returns>This.</returns>
    public FakeBackend On<TRequest>(string method, Func<TRequest, IMessage> handler)
        where TRequest : IMessage
    {
        _handlers[method] = request => handler((TRequest)request);
        return this;
    }

    /// <summary>The requests made to <paramref name="method"/>.</summary>
    /// <typeparam name="TRequest">The request.</typeparam>
    /// <param name="method">The method's name.</param>
    /// <returns>The requests.</returns>
    public IReadOnlyList<TRequest> CallsTo<TRequest>(string method) => [.. Calls.Where(c => c.Method == method).Select(c => (TRequest)c.Request)];

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add((method.Name, (IMessage)request));
        Task<TResponse> response;
        try
        {
            response = _handlers.TryGetValue(method.Name, out var handler)
                ? Task.FromResult((TResponse)handler((IMessage)request))
                : Task.FromException<TResponse>(new RpcException(new Status(StatusCode.Unimplemented, $"no fake for {method.Name}")));
        }
        catch (RpcException e)
        {
            response = Task.FromException<TResponse>(e);
        }
        return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Grpc.Core.Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
}

/// <summary>An alert feed the test drives.</summary>
public sealed class FakeAlertFeed : IAlertFeed
{
    private readonly HashSet<string> _fresh = [];

    public HubState State { get; private set; } = HubState.Connected;

    public IReadOnlyList<AlertMessage> Alerts { get; private set; } = [];

    public IReadOnlySet<string> Fresh => _fresh;

    public event Action? Changed;

    public Task StartAsync() => Task.CompletedTask;

    public void Apply(AlertMessage alert) => Set([.. Alerts.Select(a => a.Id == alert.Id ? alert : a)]);

    /// <summary>Replaces the list (as a reload does).</summary>
    /// <param name="alerts">Newest first.</param>
    public void Set(IReadOnlyList<AlertMessage> alerts)
    {
        Alerts = alerts;
        Changed?.Invoke();
    }

    /// <summary>A push from the hub.</summary>
    /// <param name="alert">The alert.</param>
    public void Push(AlertMessage alert)
    {
        _fresh.Add(alert.Id);
        Set([alert, .. Alerts]);
    }

    /// <summary>The connection's state changes.</summary>
    /// <param name="state">The state.</param>
    public void Become(HubState state)
    {
        State = state;
        Changed?.Invoke();
    }
}

/// <summary>A bUnit context with MudBlazor, a signed-in user of <paramref name="role"/>, and fakes of the services, notifications and the hub.</summary>
public class DashboardContext : BunitContext
{
    public DashboardContext(string role, string userId = "user-1", string stations = "*")
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        var auth = AddAuthorization();
        auth.SetAuthorized(userId);
        auth.SetClaims(new Claim(DashboardClaims.Subject, userId), new Claim(DashboardClaims.Name, $"{role} {userId}"), new Claim(DashboardClaims.Role, role), new Claim(DashboardClaims.Stations, stations));
        Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Dashboard:RefreshSeconds"] = "3600" }).Build());
        Services.AddSingleton(Options.Create(new OidcOptions()));
        Services.AddSingleton(Backend.Services);
        Services.AddSingleton<Reachability>();
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<NotificationsApi>();
        Services.AddSingleton<WatchListApi>();
        Services.AddScoped<CurrentUser>();
        Services.AddScoped<Commands>();
        Services.AddSingleton<IAlertFeed>(Feed);
        Services.AddSingleton(NullLoggerFactory.Instance);
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public FakeBackend Backend { get; } = new();

    public FakeAlertFeed Feed { get; } = new();

    /// <summary>Renders <typeparamref name="T"/> beside the popover and dialog providers MudBlazor's selects and dialogs need.</summary>
    /// <typeparam name="T">The component.</typeparam>
    /// <param name="parameters">Its parameters.</param>
    /// <returns>The rendered fragment (query its markup).</returns>
    public IRenderedComponent<Bunit.Rendering.ContainerFragment> RenderPage<T>(IReadOnlyDictionary<string, object?>? parameters = null)
        where T : IComponent => Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<T>(2);
            if (parameters is not null) builder.AddMultipleAttributes(3, parameters!);
            builder.CloseComponent();
        });
}
