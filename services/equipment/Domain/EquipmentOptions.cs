namespace Mtaeda.Equipment.Domain;

/// <summary>Equipment's settings (configuration section <c>Equipment</c>).</summary>
public sealed record EquipmentOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Equipment";

    /// <summary>
    /// How far after the time equipment records it a passage batch may end (<c>Equipment:MaxClockSkew</c>, default
    /// <see cref="Turnstile.DefaultMaxClockSkew"/>): a device's clock running ahead by more is refused (InvalidArgument,
    /// <c>interval_end</c>).
    /// </summary>
    public TimeSpan MaxClockSkew { get; init; } = Turnstile.DefaultMaxClockSkew;

    /// <summary>The settings from configuration.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>The settings.</returns>
    public static EquipmentOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var skew = configuration.GetValue<TimeSpan?>($"{Section}:{nameof(MaxClockSkew)}") ?? Turnstile.DefaultMaxClockSkew;
        if (skew < TimeSpan.Zero) throw new InvalidOperationException($"{Section}:{nameof(MaxClockSkew)} must not be negative");
        return new EquipmentOptions { MaxClockSkew = skew };
    }
}
