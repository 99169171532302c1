namespace Mtaeda.Maintenance.Infrastructure;

/// <summary>Settings of the maintenance service, bound from the <c>Maintenance</c> configuration section.</summary>
public sealed class MaintenanceOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Maintenance";

    /// <summary>The Dapr state store holding requests and devices' open requests (default <c>statestore</c>).</summary>
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>Average entries plus exits per minute, over <see cref="LoadWindow"/>, from which a station counts as busy.</summary>
    public double BusyPassagesPerMinute { get; set; } = 30;

    /// <summary>How far back a station's passages are averaged to say how busy it is (whole minutes, at most a day).</summary>
    public TimeSpan LoadWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long ridership is given to answer before a request is ranked without its figures.</summary>
    public TimeSpan RidershipTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a station's load, once ridership told it, ranks further faults at that station without asking again
    /// (default 30 seconds; zero asks every time). The load is an average over <see cref="LoadWindow"/>, so a figure this
    /// fresh ranks as well, and a burst of faults does not wait on ridership once per fault.
    /// </summary>
    public TimeSpan StationLoadFreshFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The deadlines per priority.</summary>
    public MaintenanceDeadlines Deadlines { get; set; } = new();

    /// <summary>Checks the settings at start.</summary>
    /// <exception cref="InvalidOperationException">A setting is out of range.</exception>
    public void Validate()
    {
        Deadlines.Validate();
        if (LoadWindow < TimeSpan.FromMinutes(1) || LoadWindow > TimeSpan.FromDays(1) || LoadWindow.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            throw new InvalidOperationException("Maintenance:LoadWindow must be whole minutes, from one minute to a day.");
        }
        if (RidershipTimeout <= TimeSpan.Zero) throw new InvalidOperationException("Maintenance:RidershipTimeout must be positive.");
        if (StationLoadFreshFor < TimeSpan.Zero || StationLoadFreshFor > LoadWindow)
        {
            throw new InvalidOperationException("Maintenance:StationLoadFreshFor must be from zero to Maintenance:LoadWindow.");
        }
        if (BusyPassagesPerMinute <= 0) throw new InvalidOperationException("Maintenance:BusyPassagesPerMinute must be positive.");
    }
}
