using Microsoft.AspNetCore.Components;
using Mtaeda.Dashboard.Backend;
using Mtaeda.Dashboard.Identity;

namespace Mtaeda.Dashboard.Components.Shared;

/// <summary>
/// A page that reads its figures at start and again every <c>Dashboard:RefreshSeconds</c> while the circuit lives (figures,
/// not alerts: alerts are pushed). A read that fails because a service is away keeps the last figures; the layout shows
/// "reconnecting…" and the next read that succeeds clears it.
/// </summary>
public abstract class RefreshingPage : ComponentBase, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    /// <summary>The signed-in user.</summary>
    protected DashboardUser User { get; private set; } = DashboardUser.Anonymous;

    /// <summary>What the last read that failed said (a service's refusal), or null.</summary>
    protected string? ReadError { get; private set; }

    /// <summary>True once a read has succeeded.</summary>
    protected bool Loaded { get; private set; }

    [Inject] private CurrentUser CurrentUser { get; set; } = default!;

    [Inject] private IConfiguration Configuration { get; set; } = default!;

    /// <summary>Reads the page's figures.</summary>
    /// <param name="cancellationToken">Cancelled when the page goes.</param>
    /// <returns>When read.</returns>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    /// <summary>Reads again now (after a command).</summary>
    /// <returns>When read.</returns>
    protected async Task ReloadAsync()
    {
        try
        {
            await LoadAsync(_stop.Token);
            Loaded = true;
            ReadError = null;
        }
        catch (ServiceUnreachableException)
        {
            // The layout says which service is away; the last figures stay.
        }
        catch (CommandRefusedException e)
        {
            ReadError = e.Message;
        }
    }

    /// <inheritdoc/>
    protected override async Task OnInitializedAsync()
    {
        User = await CurrentUser.GetAsync();
        await ReloadAsync();
    }

    /// <inheritdoc/>
    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive) _loop = RefreshAsync(_stop.Token);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, Configuration.GetValue("Dashboard:RefreshSeconds", 5.0))));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await InvokeAsync(async () =>
            {
                await ReloadAsync();
                StateHasChanged();
            });
        }
    }
}
