using Mtaeda.EndToEnd.Tests;
using Microsoft.Playwright;

namespace Mtaeda.Dashboard.Tests.Browser;

/// <summary>
/// The whole system as the README's run command starts it, through the runner (<see cref="MtaedaSystem"/>): the services,
/// maintenance, scheduling, notifications and identification among them, and the dashboard, with the development sign-ins'
/// password given for the test, figures refreshed every second, and Debian's Chromium driven by Playwright.
/// </summary>
public sealed class DashboardSystem() : MtaedaSystem(redis: false, ["dashboard", "identification"]), IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The password of the three development users for this run.</summary>
    public string Password { get; } = System.Security.Cryptography.RandomNumberGenerator.GetHexString(16, lowercase: true);

    private readonly System.Security.Cryptography.RSA _issuerKey = System.Security.Cryptography.RSA.Create(2048);

    /// <summary>The development issuer's key for this run (<c>DevelopmentIssuer:KeyFile</c>), so the tests can sign a user's token as the dashboard does.</summary>
    private string IssuerKeyFile => _issuerKeyFile ??= WriteKey();

    private string? _issuerKeyFile;

    private string WriteKey()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mtaeda-dashboard-issuer-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, _issuerKey.ExportRSAPrivateKeyPem());
        return path;
    }

    /// <summary>A token of the dashboard's development issuer for a user, as the dashboard forwards with its calls.</summary>
    /// <param name="role">The role.</param>
    /// <param name="sub">The user id.</param>
    /// <returns>The compact JWT.</returns>
    public string UserToken(string role, string sub) => new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
    {
        Issuer = Url,
        Audience = "mtaeda-hub",
        Expires = DateTime.UtcNow.AddMinutes(10),
        Claims = new Dictionary<string, object> { ["sub"] = sub, ["name"] = sub, ["role"] = role, ["stations"] = "*" },
        SigningCredentials = new(new Microsoft.IdentityModel.Tokens.RsaSecurityKey(_issuerKey) { KeyId = "development-key-file" }, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.RsaSha256),
    });

    /// <summary>The dashboard's address (also its development issuer).</summary>
    public string Url => $"http://localhost:{AppPort("dashboard")}";

    /// <summary>Where the screenshots go.</summary>
    public static string Screenshots { get; } = Directory.CreateDirectory(Path.Combine(Root, "artifacts", "screenshots")).FullName;

    /// <summary>Chromium.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

    protected override IEnumerable<(string Name, string Value)> Environment() =>
    [
        ("DASHBOARD_DEV_PASSWORD", Password),
        ("DevelopmentIssuer__Issuer", Url),
        ("DevelopmentIssuer__KeyFile", IssuerKeyFile),
        ("Dashboard__RefreshSeconds", "1"),
        ("Dashboard__CallTimeoutSeconds", "3"),
        ("Hub__Url", $"http://localhost:{HubPort}/hubs/operations"),
        ("Hub__Authority", Url),
        // Scheduling's development technicians cover stn-001..stn-004: Chen Li (tech-003, the third) also covers the station
        // the work-order test assigns on, so the assign list offers her there.
        ("Scheduling__Technicians__2__StationIds__4", "stn-dash-b"),
    ];

    public new async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        // Up and running is not yet ready for actors: wait until stations and equipment answer an actor call for an unknown id as such.
        await Mtaeda.Testing.Eventually.UntilAsync(async () => await AnswersAsync(() => Stations.GetStationAsync(new() { StationId = "stn-probe" }).ResponseAsync)
            && await AnswersAsync(() => Equipment.GetTurnstileAsync(new() { TurnstileId = "ts-probe" }).ResponseAsync), "stations and equipment to answer", TimeSpan.FromSeconds(120), CancellationToken.None);
        _playwright = await Playwright.CreateAsync();
        _browser = await DashboardBrowser.LaunchChromiumAsync(_playwright);
    }

    private static async Task<bool> AnswersAsync<T>(Func<Task<T>> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode is Grpc.Core.StatusCode.NotFound)
        {
            return true;
        }
        catch (Grpc.Core.RpcException)
        {
            return false;
        }
    }

    public new async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
        if (_issuerKeyFile is not null) File.Delete(_issuerKeyFile);
        _issuerKey.Dispose();
    }

    /// <summary>A new browser page signed in as <paramref name="user"/> (supervisor, technician or viewer), on the network overview.</summary>
    /// <param name="user">The development user.</param>
    /// <param name="screenshot">A file name to save the sign-in page under, before signing in.</param>
    /// <returns>The page.</returns>
    public Task<IPage> SignInAsync(string user, string? screenshot = null) =>
        DashboardBrowser.SignInAsync(Browser, Url, user, Password, screenshot is null ? null : page => ScreenshotAsync(page, screenshot));

    /// <summary>Opens <paramref name="path"/> and waits until the page is interactive (a prerendered page shows the data but answers no click).</summary>
    /// <param name="page">The page.</param>
    /// <param name="path">The dashboard's path, e.g. /work-orders.</param>
    /// <returns>When interactive.</returns>
    public Task OpenAsync(IPage page, string path) => DashboardBrowser.OpenAsync(page, Url, path);

    /// <summary>Saves a full-page screenshot under artifacts/screenshots/.</summary>
    /// <param name="page">The page.</param>
    /// <param name="name">The file name.</param>
    /// <returns>When saved.</returns>
    public static Task ScreenshotAsync(IPage page, string name) => page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name), FullPage = true });
}

[CollectionDefinition(nameof(DashboardSystem))]
public sealed class DashboardSystemCollection : ICollectionFixture<DashboardSystem>;
