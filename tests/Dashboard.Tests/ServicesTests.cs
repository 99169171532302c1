using System.Collections.Concurrent;
using System.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.Dashboard.Backend;

namespace Mtaeda.Dashboard.Tests;

/// <summary>The dashboard's clients: one list of apps (<see cref="Services.ForUser"/>) drives the sidecar's call paths.</summary>
public sealed class ServicesTests
{
    private sealed class Tokens(string? token) : IHubTokens
    {
        public Task<string?> GetAsync() => Task.FromResult(token);
    }

    private static SidecarInvokers Invokers(int grpcPort = 1) => new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["DAPR_GRPC_PORT"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["DAPR_API_TOKEN"] = "sidecar-token",
    }).Build());

    [Fact]
    public void A_call_path_is_made_for_any_app_asked_for_once_and_kept()
    {
        var invokers = Invokers();

        // An app named only where the clients are made has its call path: there is no second list to forget it in.
        var added = invokers.For("an-app-added-later");

        Assert.Same(added, invokers.For("an-app-added-later"));
        Assert.NotSame(added, invokers.For("scheduling"));
    }

    [Fact]
    public async Task Every_client_calls_its_own_app_through_the_sidecar_with_the_users_token()
    {
        var seen = new ConcurrentBag<(string Path, string App, string Token, string Authorization)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        await using var sidecar = builder.Build();
        sidecar.Run(context =>
        {
            seen.Add((context.Request.Path, context.Request.Headers["dapr-app-id"].ToString(), context.Request.Headers["dapr-api-token"].ToString(), context.Request.Headers.Authorization.ToString()));
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", ((int)StatusCode.Unimplemented).ToString(System.Globalization.CultureInfo.InvariantCulture));
            return Task.CompletedTask;
        });
        await sidecar.StartAsync(TestContext.Current.CancellationToken);
        var port = new Uri(sidecar.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;

        var services = Services.ForUser(Invokers(port), new Tokens("user-token"));

        var expected = new List<(string Service, string App)>();
        foreach (var client in typeof(Services).GetProperties())
        {
            // The first unary RPC of each client, with an empty request: the fake sidecar answers Unimplemented.
            var method = client.PropertyType.GetMethods().First(m => m.Name.EndsWith("Async", StringComparison.Ordinal)
                && m.GetParameters() is [var request, { ParameterType.Name: "Metadata" }, _, _] && request.ParameterType.IsAssignableTo(typeof(Google.Protobuf.IMessage)));
            var call = method.Invoke(client.GetValue(services), [Activator.CreateInstance(method.GetParameters()[0].ParameterType), null, null, TestContext.Current.CancellationToken])!;
            var response = (Task)call.GetType().GetProperty("ResponseAsync")!.GetValue(call)!;
            Assert.Equal(StatusCode.Unimplemented, (await Assert.ThrowsAsync<RpcException>(() => response)).StatusCode);
            var service = client.PropertyType.DeclaringType!;
            var descriptor = (Google.Protobuf.Reflection.ServiceDescriptor)service.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            expected.Add((descriptor.FullName, client.Name.ToLowerInvariant()));
        }

        Assert.Equal(8, expected.Count);
        foreach (var (service, app) in expected)
        {
            var call = Assert.Single(seen, s => s.Path.StartsWith($"/{service}/", StringComparison.Ordinal));
            Assert.Equal((app, "sidecar-token", "Bearer user-token"), (call.App, call.Token, call.Authorization));
        }
    }
}
