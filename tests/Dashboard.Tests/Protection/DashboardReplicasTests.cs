using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using LocalDapr.Sidecar;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mtaeda.Testing;

namespace Mtaeda.Dashboard.Tests.Protection;

/// <summary>
/// Two dashboards, each with its own sidecar of the app id dashboard, configured as the chart configures its replicas
/// (DASHBOARD_KEYS_STATE_STORE): a browser that gets the sign-in form from one and posts it to the other is signed in,
/// the other's sign-in cookie is read by the first, and both publish one development issuer key.
/// </summary>
public sealed partial class DashboardReplicasTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_browser_moved_between_replicas_stays_signed_in_and_both_publish_one_issuer_key()
    {
        await using var runtime = LocalRuntime.Create();
        await using var one = await StartReplicaAsync(runtime);
        await using var two = await StartReplicaAsync(runtime);
        using var toOne = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = one.Address };
        using var toTwo = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = two.Address };

        // The form (and its antiforgery cookie) from one replica, posted to the other.
        using var page = await toOne.GetAsync(new Uri("/account/signin", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var formToken = FormToken().Match(await page.Content.ReadAsStringAsync(Ct)).Groups[1].Value;
        var antiforgery = Cookies(page).Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/signin/password")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(formToken), ["userName"] = "supervisor", ["password"] = Password, ["returnUrl"] = "/" }),
        };
        post.Headers.Add("Cookie", antiforgery);
        using var signedIn = await toTwo.SendAsync(post, Ct);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        var cookie = Cookies(signedIn).Single(c => c.StartsWith("mtaeda-dashboard=", StringComparison.Ordinal))["mtaeda-dashboard=".Length..];

        // The first replica's cookie handler reads the sign-in made by the second.
        var ticket = one.App.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme).TicketDataFormat.Unprotect(cookie);
        Assert.Equal("Sam Supervisor", ticket?.Principal.Identity?.Name);

        Assert.Equal(await toOne.GetStringAsync(new Uri("/.well-known/jwks.json", UriKind.Relative), Ct), await toTwo.GetStringAsync(new Uri("/.well-known/jwks.json", UriKind.Relative), Ct));
    }

    private const string Password = "replica-test-password";

    private static IEnumerable<string> Cookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : [];

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    private static async Task<Replica> StartReplicaAsync(LocalRuntime runtime)
    {
        var sidecar = await runtime.StartSidecarAsync("dashboard", Ct);
        var port = Sidecar.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Development,
            ApplicationName = "Mtaeda.Dashboard",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["APP_ID"] = "dashboard",
            ["APP_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["DAPR_HTTP_ENDPOINT"] = sidecar.HttpEndpoint,
            ["DAPR_GRPC_ENDPOINT"] = sidecar.GrpcEndpoint,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty,
            ["Dashboard:DevelopmentSignIn"] = "true",
            ["DASHBOARD_DEV_PASSWORD"] = Password,
            ["DevelopmentIssuer:Issuer"] = "http://dashboard:5110",
            ["DASHBOARD_KEYS_STATE_STORE"] = "statestore",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddDashboard();
        var app = builder.Build();
        app.MapDashboard();
        await app.StartAsync(Ct);
        return new Replica(app, new Uri($"http://127.0.0.1:{port}"));
    }

    private sealed record Replica(WebApplication App, Uri Address) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync(CancellationToken.None);
            await App.DisposeAsync();
        }
    }
}
