using Dapr.Client;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Stations.Infrastructure;

/// <summary>Settings of the stations service, bound from the <c>Stations</c> configuration section.</summary>
public sealed class StationsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Stations";

    /// <summary>The Dapr state store holding the station index (default <c>statestore</c>).</summary>
    public string StateStoreName { get; set; } = "statestore";
}

/// <summary>
/// The index ListStations pages through: the sorted ids of every registered station under <see cref="Key"/>
/// (see <see cref="SortedIdIndex"/> for how it is kept). RegisterStation adds the id after the Station actor accepted
/// the registration.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">Where the index is kept.</param>
public sealed class StationIndex(DaprClient dapr, StationsOptions options) : SortedIdIndex(dapr, options.StateStoreName, Key, "station")
{
    /// <summary>The state key of the index.</summary>
    public const string Key = "stations-index";
}
