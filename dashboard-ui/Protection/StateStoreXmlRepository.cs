using System.Xml.Linq;
using Dapr.Client;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Dashboard.Protection;

/// <summary>
/// ASP.NET Core Data Protection's key ring in a Dapr state store, through the sidecar: every replica of the dashboard
/// reads and adds to the same ring, so a sign-in cookie or an antiforgery token made by one replica is read by every
/// other (ADR 0010). The ring is one state item, a JSON list of the keys' XML elements; a key is added with
/// first-write-wins concurrency (the ETag read with the list), and a write that lost to another replica's reads again and
/// retries, so two replicas that add a key at once keep both. Keys are added rarely (one every 90 days by default).
/// </summary>
/// <remarks>
/// The item's key is prefixed by Dapr with the app id (the state store's default <c>keyPrefix</c>), so only the dashboard's
/// sidecars read it through the state API. The repository's interface is synchronous; it waits on the sidecar's answer,
/// as Data Protection's other remote repositories do.
/// </remarks>
public sealed class StateStoreXmlRepository : IXmlRepository
{
    /// <summary>The state item that holds the ring.</summary>
    public const string RingKey = "dataprotection-keys";

    /// <summary>How many times a key is written before the repository gives up (each lost write is another replica's success).</summary>
    public const int MaxAttempts = 10;

    private readonly DaprClient _dapr;
    private readonly string _store;
    private readonly TimeSpan _timeout;

    /// <summary>Reads and writes the ring in <paramref name="store"/>.</summary>
    /// <param name="dapr">The sidecar's client.</param>
    /// <param name="store">The state store component's name.</param>
    /// <param name="timeout">How long one read or write may take.</param>
    public StateStoreXmlRepository(DaprClient dapr, string store, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(dapr);
        ArgumentException.ThrowIfNullOrWhiteSpace(store);
        _dapr = dapr;
        _store = store;
        _timeout = timeout ?? TimeSpan.FromSeconds(10);
    }

    /// <inheritdoc/>
    public IReadOnlyCollection<XElement> GetAllElements() => ReadAsync().GetAwaiter().GetResult().Ring.Select(XElement.Parse).ToList();

    /// <inheritdoc/>
    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        StoreAsync(element.ToString(SaveOptions.DisableFormatting)).GetAwaiter().GetResult();
    }

    private async Task StoreAsync(string xml)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (ring, etag) = await ReadAsync();
            List<string> next = [.. ring, xml];
            using var timeout = new CancellationTokenSource(_timeout);
            // First-write with the ETag read; with none (no ring yet) it only creates the item, and another replica's ring made meanwhile fails it.
            if (await _dapr.TrySaveAsync(_store, RingKey, next, etag, timeout.Token)) return;
            if (attempt >= MaxAttempts)
                throw new InvalidOperationException($"The data protection key could not be added to the ring in state store '{_store}': {MaxAttempts} writes lost to other replicas' or refused by the store");
        }
    }

    private async Task<(List<string> Ring, string? ETag)> ReadAsync()
    {
        using var timeout = new CancellationTokenSource(_timeout);
        var (ring, etag) = await _dapr.GetStateAndETagAsync<List<string>?>(_store, RingKey, ConsistencyMode.Strong, cancellationToken: timeout.Token);
        return (ring ?? [], etag);
    }
}
