using Microsoft.Playwright;

namespace Mtaeda.Dashboard.Tests.Browser;

/// <summary>
/// The dashboard in Debian's Chromium, headless, driven by Playwright (the package's own browsers are never installed):
/// as the browser tests drive it, and the fault-to-browser benchmark (tools/bench links this file).
/// </summary>
public static class DashboardBrowser
{
    /// <summary>Debian's Chromium, headless.</summary>
    /// <param name="playwright">Playwright.</param>
    /// <returns>The browser.</returns>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    /// <summary>A new page of <paramref name="browser"/> signed in to the dashboard at <paramref name="url"/> as a development user, on the network overview.</summary>
    /// <param name="browser">The browser.</param>
    /// <param name="url">The dashboard's address.</param>
    /// <param name="user">The development user (supervisor, technician or viewer).</param>
    /// <param name="password">The development users' password for the run.</param>
    /// <param name="beforeSubmit">What to do on the filled-in sign-in page before it is sent (a screenshot).</param>
    /// <returns>The page.</returns>
    public static async Task<IPage> SignInAsync(IBrowser browser, string url, string user, string password, Func<IPage, Task>? beforeSubmit = null)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync(url + "/");
        await page.FillAsync("#userName", user);
        await page.FillAsync("#password", password);
        if (beforeSubmit is not null) await beforeSubmit(page);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=signed-in]");
        return page;
    }

    /// <summary>Opens <paramref name="path"/> of the dashboard at <paramref name="url"/> and waits until the page is interactive (a prerendered page shows the data but answers no click).</summary>
    /// <param name="page">The page.</param>
    /// <param name="url">The dashboard's address.</param>
    /// <param name="path">The dashboard's path, e.g. /work-orders.</param>
    /// <returns>When interactive.</returns>
    public static async Task OpenAsync(IPage page, string url, string path)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(url + path);
        await page.Locator("[data-render=interactive]").WaitForAsync();
    }
}
