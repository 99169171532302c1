using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Mtaeda.Dashboard.Alerts;
using Mtaeda.Dashboard.Backend;
using Mtaeda.Dashboard.Components;
using Mtaeda.Dashboard.Identity;
using Mtaeda.Dashboard.Protection;
using Mtaeda.ServiceDefaults;
using MudBlazor.Services;

namespace Microsoft.Extensions.Hosting;

/// <summary>The dashboard's parts: <see cref="AddDashboard"/> and <see cref="MapDashboard"/>.</summary>
public static class DashboardExtensions
{
    /// <summary>The browser port when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultPort = 5110;

    /// <summary>The sign-in page.</summary>
    public const string SignInPath = "/account/signin";

    /// <summary>Where the production sign-in starts (a challenge of OpenID Connect).</summary>
    public const string OidcSignInPath = "/account/signin/oidc";

    /// <summary>Where the development sign-in form posts.</summary>
    public const string PasswordSignInPath = "/account/signin/password";

    /// <summary>
    /// Kestrel on <c>APP_PORT</c> (HTTP/1.1, the browser's and the sidecar's health checks) and, when <c>MANAGEMENT_PORT</c>
    /// is set, the management listener (<see cref="Mtaeda.ServiceDefaults.ManagementPort"/>), telemetry, Razor components with
    /// interactive server rendering and MudBlazor, the services' clients through the sidecar, the alert feed, and sign-in:
    /// OpenID Connect when <c>Authentication:Oidc</c> is configured, the development users and issuer in Development.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var port = builder.Configuration.GetValue("APP_PORT", DefaultPort);
        var address = builder.Configuration[Mtaeda.ServiceDefaults.DaprSidecar.ListenAddressKey];
        Action<ListenOptions> http1 = listen => listen.Protocols = HttpProtocols.Http1;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (string.IsNullOrWhiteSpace(address)) kestrel.ListenLocalhost(port, http1);
            else if (address.Trim() == "*") kestrel.ListenAnyIP(port, http1);
            else kestrel.Listen(IPAddress.Parse(address.Trim()), port, http1);
        });
        // MANAGEMENT_PORT (Kubernetes): probes and the scrape on a port of their own; the browser port serves no metrics.
        builder.ListenOnManagementPort(port);
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddDaprClient();
        AddDataProtection(builder);

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddSingleton(new SidecarInvokers(builder.Configuration));
        // Per circuit: every call carries the circuit's user's token, and the services judge it (ADR 0009).
        builder.Services.AddScoped(sp => Services.ForUser(sp.GetRequiredService<SidecarInvokers>(), sp.GetRequiredService<IHubTokens>()));
        // Per circuit: each user's "reconnecting…" reflects the calls of their own pages, and clears at their next answer.
        builder.Services.AddScoped<Reachability>();
        builder.Services.AddScoped<NotificationsApi>();
        builder.Services.AddScoped<WatchListApi>();
        builder.Services.AddScoped<CurrentUser>();
        builder.Services.AddScoped<Commands>();
        builder.Services.AddScoped<IAlertFeed, AlertFeed>();

        AddSignIn(builder);
        return builder;
    }

    /// <summary>Health (<c>/healthz</c>, <c>/readyz</c>; <c>/metrics</c> on the management port only), static assets, antiforgery, sign-in endpoints, the development issuer (Development only) and the pages.</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapHealthEndpoints();
        app.MapManagementMetrics();
        app.MapStaticAssets();

        var oidc = app.Configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
        var users = app.Services.GetService<DevelopmentUsers>();
        var issuer = app.Services.GetService<DevelopmentIssuer>();
        if (issuer is not null)
        {
            app.MapGet(DevelopmentIssuer.MetadataPath, () => Results.Json(issuer.Metadata())).AllowAnonymous();
            app.MapGet(DevelopmentIssuer.JwksPath, () => Results.Json(issuer.Jwks())).AllowAnonymous();
        }
        if (users is not null)
        {
            app.MapPost(PasswordSignInPath, async (HttpContext context, [FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl) =>
            {
                var user = users.Check(userName, password);
                var back = SafeReturn(returnUrl);
                if (user is null) return Results.Redirect($"{SignInPath}?failed=1&returnUrl={Uri.EscapeDataString(back)}");
                var identity = new ClaimsIdentity(user.Claims(), CookieAuthenticationDefaults.AuthenticationScheme, DashboardClaims.Name, DashboardClaims.Role);
                await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
                return Results.Redirect(back);
            }).AllowAnonymous();
        }
        else if (oidc.Enabled)
        {
            app.MapGet(OidcSignInPath, (string? returnUrl) => Results.Challenge(new AuthenticationProperties { RedirectUri = SafeReturn(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme])).AllowAnonymous();
        }
        app.MapPost("/account/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (oidc.Enabled && users is null)
            {
                return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIdConnectDefaults.AuthenticationScheme]);
            }
            return Results.Redirect(SignInPath);
        });

        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

        if (users is not null)
        {
            app.Lifetime.ApplicationStarted.Register(() =>
            {
                // Printed to the console for whoever started the run (Development only): the address and this run's sign-ins.
                var urls = string.Join(", ", app.Urls);
                Console.WriteLine($"MTAEDA dashboard: {urls}");
                foreach (var signIn in users.All) Console.WriteLine($"  sign in as {signIn.UserName,-10} password {signIn.Password}   ({signIn.User.Role}, {signIn.User.Name})");
            });
        }
        return app;
    }

    private static string SafeReturn(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";

    /// <summary>The configuration key (and environment variable) of the directory the data protection keys are kept in.</summary>
    public const string KeysDirectoryKey = "DASHBOARD_KEYS_DIR";

    /// <summary>The configuration key (and environment variable) of the Dapr state store the data protection keys are kept in.</summary>
    public const string KeysStateStoreKey = "DASHBOARD_KEYS_STATE_STORE";

    /// <summary>
    /// The keys that protect the sign-in cookie and the antiforgery tokens. With <c>DASHBOARD_KEYS_STATE_STORE</c> (the chart
    /// sets it), in that Dapr state store through the sidecar, shared by every replica (<see cref="StateStoreXmlRepository"/>,
    /// ADR 0010); else in <c>DASHBOARD_KEYS_DIR</c> when it is set (the image sets a directory under /tmp, so one dashboard
    /// runs on a read-only root filesystem); else where ASP.NET Core keeps them by default (the user's profile).
    /// </summary>
    private static void AddDataProtection(WebApplicationBuilder builder)
    {
        var protection = builder.Services.AddDataProtection().SetApplicationName("mtaeda-dashboard");
        if (builder.Configuration[KeysStateStoreKey] is { Length: > 0 } store)
        {
            builder.Services.AddOptions<KeyManagementOptions>().Configure<Dapr.Client.DaprClient>((o, dapr) => o.XmlRepository = new StateStoreXmlRepository(dapr, store));
        }
        else if (builder.Configuration[KeysDirectoryKey] is { Length: > 0 } directory)
        {
            protection.PersistKeysToFileSystem(Directory.CreateDirectory(directory));
        }
    }

    private static void AddSignIn(WebApplicationBuilder builder)
    {
        var oidc = builder.Configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
        builder.Services.Configure<OidcOptions>(builder.Configuration.GetSection(OidcOptions.Section));
        var development = builder.Environment.IsDevelopment() && builder.Configuration.GetValue("Dashboard:DevelopmentSignIn", false);
        if (!development && !oidc.Enabled)
        {
            throw new InvalidOperationException($"No sign-in: configure {OidcOptions.Section} (Authority, ClientId, ClientSecret) for OpenID Connect, or run in Development for the development users");
        }

        var authentication = builder.Services.AddAuthentication(o =>
        {
            o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.DefaultChallengeScheme = CookieAuthenticationDefaults.AuthenticationScheme;
        });
        authentication.AddCookie(o =>
        {
            o.LoginPath = SignInPath;
            o.Cookie.Name = "mtaeda-dashboard";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
        });
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddAuthorization();

        if (development)
        {
            builder.Services.AddSingleton<DevelopmentUsers>();
            var issuer = builder.Configuration["DevelopmentIssuer:Issuer"] is { Length: > 0 } i ? i : $"http://localhost:{builder.Configuration.GetValue("APP_PORT", DefaultPort)}";
            var keyFile = builder.Configuration[DevelopmentIssuer.KeyFileKey];
            var keyPem = string.IsNullOrWhiteSpace(keyFile) ? null : File.ReadAllText(keyFile);
            var sharedStore = builder.Configuration[KeysStateStoreKey];
            builder.Services.AddSingleton(sp => keyPem is null && sharedStore is { Length: > 0 }
                // Several replicas: one key for all, kept beside the Data Protection ring (ADR 0010).
                ? new DevelopmentIssuer(issuer, sp.GetRequiredService<TimeProvider>(), new SharedIssuerKey(sp.GetRequiredService<Dapr.Client.DaprClient>(), sharedStore, sp.GetRequiredService<IDataProtectionProvider>()).GetOrCreatePem)
                : new DevelopmentIssuer(issuer, sp.GetRequiredService<TimeProvider>(), keyPem));
            builder.Services.AddScoped<IHubTokens>(sp => new HubTokens(sp.GetRequiredService<CurrentUser>(), sp.GetRequiredService<DevelopmentIssuer>()));
            return;
        }

        builder.Services.AddScoped<IHubTokens>(sp => new HubTokens(sp.GetRequiredService<CurrentUser>()));
        authentication.AddOpenIdConnect(o =>
        {
            o.Authority = oidc.Authority;
            o.ClientId = oidc.ClientId;
            o.ClientSecret = oidc.ClientSecret;
            o.ResponseType = "code";
            o.UsePkce = true;
            o.MapInboundClaims = false;
            o.SaveTokens = false;
            o.GetClaimsFromUserInfoEndpoint = false;
            o.TokenValidationParameters.NameClaimType = "name";
            o.TokenValidationParameters.RoleClaimType = oidc.RoleClaim;
            o.Scope.Clear();
            o.Scope.Add("openid");
            o.Scope.Add("profile");
            if (oidc.HubScope.Length > 0) o.Scope.Add(oidc.HubScope);
            o.Events.OnTokenValidated = context =>
            {
                // The hub's access token rides in the sign-in cookie: the circuit reads it from the user's claims.
                if (context.TokenEndpointResponse?.AccessToken is { Length: > 0 } token && context.Principal?.Identity is ClaimsIdentity identity)
                {
                    identity.AddClaim(new Claim(DashboardClaims.HubAccessToken, token));
                }
                return Task.CompletedTask;
            };
        });
        builder.Services.PostConfigure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, o => o.LoginPath = SignInPath);
        builder.Services.PostConfigure<Microsoft.AspNetCore.Authentication.AuthenticationOptions>(o => o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme);
    }
}
