namespace Mtaeda.Simulator;

/// <summary>
/// How many passages should have been sent by a point of the run: flat, or a rush-hour day compressed into the run
/// (a base level with a morning and an evening peak, at a quarter and three quarters of the run), scaled so that the
/// run sends exactly its total.
/// </summary>
public sealed class TrafficProfile
{
    private const int Steps = 1000;
    private readonly double[] _cumulative = new double[Steps + 1];

    public TrafficProfile(bool rushHour)
    {
        for (var i = 1; i <= Steps; i++)
        {
            var x = (i - 0.5) / Steps;
            _cumulative[i] = _cumulative[i - 1] + (rushHour ? Density(x) : 1.0);
        }
        var total = _cumulative[Steps];
        for (var i = 0; i <= Steps; i++) _cumulative[i] /= total;
    }

    /// <summary>Share of the total due by <paramref name="fraction"/> of the run (0 to 1).</summary>
    public double DueBy(double fraction)
    {
        if (fraction <= 0) return 0;
        if (fraction >= 1) return 1;
        var position = fraction * Steps;
        var index = (int)position;
        return _cumulative[index] + ((_cumulative[index + 1] - _cumulative[index]) * (position - index));
    }

    /// <summary>Relative rate at <paramref name="fraction"/> of the run (1 = the average).</summary>
    public double RateAt(double fraction)
    {
        var index = Math.Clamp((int)(fraction * Steps), 0, Steps - 1);
        return (_cumulative[index + 1] - _cumulative[index]) * Steps;
    }

    private static double Density(double x) =>
        0.35 + (1.6 * Math.Exp(-Math.Pow((x - 0.25) / 0.07, 2))) + (1.3 * Math.Exp(-Math.Pow((x - 0.75) / 0.08, 2)));
}
