namespace Mtaeda.Scheduling.Domain;

/// <summary>A technician.</summary>
public sealed class Technician
{
    /// <summary>Technician id.</summary>
    public string TechnicianId { get; set; } = string.Empty;

    /// <summary>Display name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Stations the technician covers.</summary>
    public List<string> StationIds { get; set; } = [];
}

/// <summary>The technicians, by id (from configuration: seeded in development, given per environment elsewhere).</summary>
public sealed class TechnicianRegistry
{
    private readonly SortedDictionary<string, Technician> _byId = new(StringComparer.Ordinal);

    /// <summary>Creates the registry.</summary>
    /// <param name="technicians">The technicians; ids must be unique and non-empty.</param>
    /// <exception cref="ArgumentException">An id is empty or repeated.</exception>
    public TechnicianRegistry(IEnumerable<Technician> technicians)
    {
        ArgumentNullException.ThrowIfNull(technicians);
        foreach (var technician in technicians)
        {
            if (string.IsNullOrEmpty(technician.TechnicianId)) throw new ArgumentException("A technician has no id.", nameof(technicians));
            if (!_byId.TryAdd(technician.TechnicianId, technician)) throw new ArgumentException($"Technician '{technician.TechnicianId}' is listed twice.", nameof(technicians));
        }
    }

    /// <summary>Whether <paramref name="technicianId"/> is registered.</summary>
    /// <param name="technicianId">The id.</param>
    /// <returns>True when registered.</returns>
    public bool Contains(string technicianId) => _byId.ContainsKey(technicianId);

    /// <summary>The technicians, by id, optionally only those covering <paramref name="stationId"/>.</summary>
    /// <param name="stationId">A station, or empty for all.</param>
    /// <returns>The technicians.</returns>
    public IReadOnlyList<Technician> List(string stationId) =>
        [.. _byId.Values.Where(t => stationId.Length == 0 || t.StationIds.Contains(stationId, StringComparer.Ordinal))];
}
