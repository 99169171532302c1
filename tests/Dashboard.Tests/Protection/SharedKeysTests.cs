using System.Xml.Linq;
using Dapr.Client;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.Dashboard.Protection;
using Mtaeda.Testing;

namespace Mtaeda.Dashboard.Tests.Protection;

/// <summary>
/// The dashboard's replicas share their Data Protection ring and the development issuer's key through the Dapr state
/// store (ADR 0010), here two "replicas" each with their own sidecar of the app id dashboard on the local runtime.
/// </summary>
public sealed class SharedKeysTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly LocalRuntime _runtime = LocalRuntime.Create();
    private AppNode _one = null!;
    private AppNode _two = null!;

    public async ValueTask InitializeAsync()
    {
        _one = await _runtime.StartSidecarAsync("dashboard", Ct);
        _two = await _runtime.StartSidecarAsync("dashboard", Ct);
    }

    public ValueTask DisposeAsync() => _runtime.DisposeAsync();

    [Fact]
    public void A_cookie_protected_by_one_replica_is_read_by_another()
    {
        using var one = Replica(_one.Client);
        using var two = Replica(_two.Client);
        var purpose = "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware";

        var cookie = one.GetRequiredService<IDataProtectionProvider>().CreateProtector(purpose).Protect("sup-001 signed in");

        Assert.Equal("sup-001 signed in", two.GetRequiredService<IDataProtectionProvider>().CreateProtector(purpose).Unprotect(cookie));
        Assert.Single(new StateStoreXmlRepository(_two.Client, "statestore").GetAllElements());
    }

    [Fact]
    public async Task Keys_added_by_two_replicas_at_once_are_all_kept()
    {
        var one = new StateStoreXmlRepository(_one.Client, "statestore");
        var two = new StateStoreXmlRepository(_two.Client, "statestore");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? one : two).StoreElement(new XElement("key", new XAttribute("id", i)), $"key-{i}"), Ct)));

        var ids = one.GetAllElements().Select(e => (int)e.Attribute("id")!).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 8), ids);
    }

    [Fact]
    public async Task Replicas_that_start_at_once_sign_with_one_issuer_key_kept_encrypted()
    {
        using var one = Replica(_one.Client);
        using var two = Replica(_two.Client);
        var keys = new[] { (one, _one.Client), (two, _two.Client) }
            .Select(r => new SharedIssuerKey(r.Item2, "statestore", r.Item1.GetRequiredService<IDataProtectionProvider>())).ToArray();

        var pems = await Task.WhenAll(keys.Select(k => Task.Run(() => k.GetOrCreatePemAsync(Ct), Ct)));

        Assert.Equal(pems[0], pems[1]);
        using var issuerOne = new DevelopmentIssuer("http://dashboard:5110", TimeProvider.System, () => pems[0]);
        using var issuerTwo = new DevelopmentIssuer("http://dashboard:5110", TimeProvider.System, keys[1].GetOrCreatePem);
        Assert.Equal(issuerOne.Jwks().ToJsonString(), issuerTwo.Jwks().ToJsonString());
        var stored = await _one.Client.GetStateAsync<string>("statestore", SharedIssuerKey.ItemKey, cancellationToken: Ct);
        Assert.DoesNotContain("PRIVATE KEY", stored, StringComparison.Ordinal);
    }

    /// <summary>A replica's Data Protection, as the dashboard configures it with DASHBOARD_KEYS_STATE_STORE.</summary>
    private static ServiceProvider Replica(DaprClient dapr)
    {
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName("mtaeda-dashboard");
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new StateStoreXmlRepository(dapr, "statestore"));
        return services.BuildServiceProvider();
    }
}
