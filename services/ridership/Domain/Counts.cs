namespace Mtaeda.Ridership.Domain;

/// <summary>Entries and exits.</summary>
/// <param name="Ingress">Entries.</param>
/// <param name="Egress">Exits.</param>
public readonly record struct Counts(long Ingress, long Egress)
{
    /// <summary>Whether nobody passed.</summary>
    public bool IsZero => Ingress == 0 && Egress == 0;

    /// <summary>Adds two counts (overflow throws rather than wraps).</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>The sum.</returns>
    public static Counts operator +(Counts left, Counts right) => Add(left, right);

    /// <summary>Adds two counts (overflow throws rather than wraps).</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>The sum.</returns>
    public static Counts Add(Counts left, Counts right) => new(checked(left.Ingress + right.Ingress), checked(left.Egress + right.Egress));
}
